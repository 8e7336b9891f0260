//! The chunk encoding of `idx_state`: both forms round trip, a malformed value is refused
//! with the tree and key named.

use super::*;
use proptest::prelude::*;

fn chunk_of(offsets: &[u16]) -> Chunk {
    let mut c = Chunk::default();
    for o in offsets {
        c.set(*o, true);
    }
    c
}

#[test]
fn a_chunk_is_a_list_below_256_cases_and_a_bitmap_from_256_on() {
    let sparse = chunk_of(&[0, 7, 4095]);
    assert_eq!(sparse.encode(), vec![0, 0, 0, 7, 0x0f, 0xff]);
    assert_eq!(Chunk::decode(&sparse.encode()).unwrap(), sparse);
    let offsets: Vec<u16> = (0..255).map(|i| i * 16).collect();
    let list = chunk_of(&offsets);
    assert_eq!(list.encode().len(), 510);
    assert_eq!(Chunk::decode(&list.encode()).unwrap(), list);
    let mut full = list.clone();
    full.set(4095, true);
    let bitmap = full.encode();
    assert_eq!(bitmap.len(), BITMAP_BYTES);
    // Offset 0 is bit 0 of byte 0, offset 4095 bit 7 of byte 511.
    assert_eq!((bitmap[0], bitmap[511]), (1, 0x80));
    assert_eq!(Chunk::decode(&bitmap).unwrap(), full);
    assert_eq!(full.offsets().count(), 256);
    assert!(full
        .offsets()
        .zip(full.offsets().skip(1))
        .all(|(a, b)| a < b));
}

#[test]
fn keys_name_the_state_and_the_chunk_of_4096_ids() {
    let entry = trees::state_key(4, crate::domain::CaseId(3 * 4096 + 5));
    let (k, offset) = split(&entry).unwrap();
    assert_eq!(k, [4, 0, 0, 0, 0, 0, 0, 0, 3]);
    assert_eq!(offset, 5);
    assert_eq!(parse_key(&k), Some((4, 3)));
    let value = chunk_of(&[5, 9]).encode();
    assert_eq!(ids(&k, &value).unwrap(), vec![3 * 4096 + 5, 3 * 4096 + 9]);
    assert!(split(&[4, 0, 0]).is_none());
}

#[test]
fn a_malformed_chunk_is_an_error_naming_the_tree_and_key_not_a_panic() {
    let k = key(1, 2);
    let mut unsorted = chunk_of(&[1, 2]).encode();
    unsorted.swap(1, 3);
    let bad: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0, 1, 0],
        vec![0x10, 0],
        vec![0, 1, 0, 1],
        unsorted,
        vec![0; BITMAP_BYTES],
        vec![1; BITMAP_BYTES + 2],
        vec![0xff; 1000],
    ];
    for v in bad {
        let e = ids(&k, &v).unwrap_err().to_string();
        assert!(
            e.contains("idx_state") && e.contains("chunk 2"),
            "{v:?}: {e}"
        );
        assert!(!e.contains('\n'), "{e}");
        assert!(Chunk::decode(&v).is_err());
    }
    // A key that is no chunk key.
    let good = chunk_of(&[1]).encode();
    let e = ids(&[1, 0, 0], &good).unwrap_err().to_string();
    assert!(e.contains("idx_state") && e.contains("[01, 00, 00]"), "{e}");
    assert!(ids(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], &good).is_err());
}

#[test]
fn the_packer_closes_a_states_chunk_when_its_cases_pass_it() {
    let mut p = Packer::default();
    assert!(p.push(1, 1).is_none());
    assert!(p.push(4, 2).is_none());
    assert!(p.push(1, 4095).is_none());
    let (k, v) = p.push(1, 4096).unwrap();
    assert_eq!(ids(&k, &v).unwrap(), vec![1, 4095]);
    let rest = p.finish();
    assert_eq!(rest.len(), 2);
    assert_eq!(ids(&rest[0].0, &rest[0].1).unwrap(), vec![4096]);
    assert_eq!(ids(&rest[1].0, &rest[1].1).unwrap(), vec![2]);
}

proptest! {
    #[test]
    fn any_set_of_offsets_round_trips_in_the_smaller_form(
        offsets in prop::collection::btree_set(0u16..4096, 1..600)
    ) {
        let offsets: Vec<u16> = offsets.into_iter().collect();
        let c = chunk_of(&offsets);
        let v = c.encode();
        prop_assert_eq!(v.len(), (2 * offsets.len()).min(BITMAP_BYTES));
        let back = Chunk::decode(&v).unwrap();
        prop_assert_eq!(back.offsets().collect::<Vec<_>>(), offsets);
    }
}

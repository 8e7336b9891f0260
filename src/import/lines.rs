//! Where an import file says what, so a refusal of the engine (which names the entity and the
//! value: `org unit "finance": no user "x"`) can be pointed at the file's line: the line of
//! the value named, else the line of the entity's table.

/// The lines of one import file's entities and of the values in them that name something.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileLines {
    /// (the engine's prefix for the entity, `org unit "finance": `; the line of its table)
    entities: Vec<(String, usize)>,
    /// (prefix; how a refusal of the value begins, `no user "x"`; the line of the value)
    values: Vec<(String, String, usize)>,
}

impl FileLines {
    /// An entity (a table) the engine's refusals begin with `context`.
    pub fn entity(&mut self, context: String, line: usize) {
        self.entities.push((context, line));
    }

    /// A value of the entity `context` that a refusal beginning `refusal` is about.
    pub fn value(&mut self, context: &str, refusal: String, line: usize) {
        self.values.push((context.to_string(), refusal, line));
    }

    /// The line an engine refusal is about: the value it names, else its entity's table.
    pub fn line_of(&self, message: &str) -> Option<usize> {
        self.values
            .iter()
            .find(|(c, r, _)| {
                message
                    .strip_prefix(c.as_str())
                    .is_some_and(|rest| rest.starts_with(r.as_str()))
            })
            .map(|(_, _, line)| *line)
            .or_else(|| {
                self.entities
                    .iter()
                    .find(|(c, _)| message.starts_with(c.as_str()))
                    .map(|(_, line)| *line)
            })
    }
}

/// How the engine refuses a user it does not know.
pub fn no_user(login: &str) -> String {
    format!("no user {login:?}")
}

/// How the engine refuses a calendar it does not know.
pub fn no_calendar(name: &str) -> String {
    format!("no calendar {name:?}")
}

/// How the engine refuses a group it does not know.
pub fn no_group(name: &str) -> String {
    format!("no group @{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_first_then_the_entity() {
        let mut l = FileLines::default();
        let ctx = "org unit \"a\": ";
        l.entity(ctx.into(), 3);
        l.value(ctx, no_user("x"), 5);
        l.value(ctx, no_user("xy"), 6);
        assert_eq!(l.line_of("org unit \"a\": no user \"x\""), Some(5));
        assert_eq!(l.line_of("org unit \"a\": no user \"xy\""), Some(6));
        assert_eq!(l.line_of("org unit \"a\": defined twice"), Some(3));
        assert_eq!(l.line_of("org unit \"b\": no user \"x\""), None);
    }
}

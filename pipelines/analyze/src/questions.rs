//! Questions: from question marks and from interrogative openings (the recogniser often drops "?").

use crate::text::Sentence;
use crate::{AnalysisInput, Playbook, QuestionCounts, Role};

/// Subjects that follow an inverted auxiliary in a yes/no question ("do you", "is there").
const SUBJECTS: &[&str] = &["i", "you", "we", "they", "he", "she", "it", "there", "that", "this", "your", "the",
                            "anyone", "anybody", "someone", "somebody", "any", "our", "these", "those"];

/// Without a question mark, a sentence is a question only if its syntax says so: an open opening
/// followed by an auxiliary ("what do", "how is", "what's") or a degree ("how many"), or used as an
/// imperative ("tell me", "walk me through"), or an auxiliary followed by its subject ("do you", "can we"),
/// or a question word that asks ("who signs", "when is", "which teams are"). "What we found is ...",
/// "Do it now." and "When we launched ..." are statements. `opening`: the tokens open the sentence (after
/// lead-ins); a later clause is more often relative ("our director, who signs", ", which is fine"), so
/// there only "who" with an auxiliary asks ("Fair enough, who would decide?").
fn interrogative_syntax(tokens: &[String], opening: bool, rules: &crate::playbook::QuestionRules) -> bool {
    let word = |i: usize| tokens.get(i).map(String::as_str).unwrap_or("");
    let (first, second) = (word(0), word(1));
    let is_auxiliary = |t: &str| rules.closed_starters.iter().any(|s| s == t) && !WH_WORDS.contains(&t);
    if rules.open_starters.iter().any(|s| s.contains(' ') && tokens.join(" ").starts_with(s.as_str())) {
        return true;
    }
    if rules.open_starters.iter().any(|s| s == first) {
        return is_auxiliary(second)
            || ["about", "else", "kind", "sort", "type", "happens", "happened", "makes", "made"].contains(&second)
            || first == "how" && HOW_DEGREE.contains(&second);
    }
    match first {
        "who" if !opening => is_auxiliary(second),
        "who" => !second.is_empty() && !SUBJECTS.contains(&second),
        "when" | "where" => opening && is_auxiliary(second),
        // "Which teams are booking?", not "Which is why ...".
        "which" => opening && !is_auxiliary(second) && is_auxiliary(word(2)),
        _ => is_auxiliary(first) && SUBJECTS.contains(&second),
    }
}

/// "how many", "how long": a degree asked for.
const HOW_DEGREE: &[&str] = &["many", "much", "long", "often", "soon", "far", "big", "large", "quickly", "fast"];

/// Question words among the closed starters; never auxiliaries themselves.
const WH_WORDS: &[&str] = &["who", "which", "when", "where"];

/// Words that may precede a question's real opening ("So what do you use today?").
const LEAD_INS: &[&str] = &["so", "and", "but", "okay", "ok", "well", "now", "then", "also", "just", "um", "uh"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuestionForm {
    Open,
    Closed,
}

pub(crate) struct Question<'a> {
    /// Index of the sentence in the call's sentences.
    pub index: usize,
    pub sentence: Sentence<'a>,
    pub role: Role,
    pub form: QuestionForm,
}

pub(crate) struct Questions<'a> {
    pub all: Vec<Question<'a>>,
}

impl Questions<'_> {
    /// Rep and customer totals; open and closed are counted over the rep's questions (or everyone's
    /// when no rep is known).
    pub fn counts(&self) -> QuestionCounts {
        let has_rep = self.all.iter().any(|q| q.role == Role::Rep);
        let asked = |q: &&Question| !has_rep || q.role == Role::Rep;
        QuestionCounts {
            rep: self.all.iter().filter(|q| q.role == Role::Rep).count() as u32,
            customer: self.all.iter().filter(|q| q.role == Role::Customer).count() as u32,
            open: self.all.iter().filter(asked).filter(|q| q.form == QuestionForm::Open).count() as u32,
            closed: self.all.iter().filter(asked).filter(|q| q.form == QuestionForm::Closed).count() as u32,
        }
    }

    pub fn by_rep(&self) -> impl Iterator<Item = &Question<'_>> {
        self.all.iter().filter(|q| q.role == Role::Rep)
    }
}

pub(crate) fn find<'a>(sentences: &[Sentence<'a>], input: &AnalysisInput, playbook: &Playbook) -> Questions<'a> {
    let rules = &playbook.questions;
    let starts_with = |tokens: &[String], starters: &[String]| {
        starters.iter().any(|starter| {
            let parts: Vec<&str> = starter.split_whitespace().collect();
            parts.len() <= tokens.len() && parts.iter().zip(tokens).all(|(p, t)| p == t)
        })
    };
    let mut all = Vec::new();
    for (index, sentence) in sentences.iter().enumerate() {
        // The question proper may follow a greeting or a preamble ("Hello, what do you use today?"):
        // take the first comma-separated clause that opens like a question, else the whole sentence.
        // Clauses that are only lead-ins ("And, um, who ...") do not count as the opening.
        let clauses: Vec<Vec<String>> = clauses(&sentence)
            .into_iter()
            .map(|clause| without_lead_ins(expand_contractions(clause)))
            .filter(|clause| !clause.is_empty())
            .collect();
        let (tokens, opening) = clauses
            .iter()
            .enumerate()
            .find(|(_, t)| starts_with(t, &rules.open_starters) || starts_with(t, &rules.closed_starters))
            .map(|(i, t)| (t.clone(), i == 0))
            .unwrap_or_else(|| (without_lead_ins(expand_contractions(sentence.normalized())), true));
        let tokens = &tokens[..];
        let open = starts_with(tokens, &rules.open_starters);
        let closed = starts_with(tokens, &rules.closed_starters);
        let asked =
            sentence.ends_with_question_mark() || (open || closed) && interrogative_syntax(tokens, opening, rules);
        if tokens.is_empty() || !asked {
            continue;
        }
        let role = input.role_of(sentence.speaker());
        let form = if open { QuestionForm::Open } else { QuestionForm::Closed };
        all.push(Question { index, sentence: sentence.clone(), role, form });
    }
    Questions { all }
}

fn without_lead_ins(tokens: Vec<String>) -> Vec<String> {
    let opening = tokens.iter().position(|t| !LEAD_INS.contains(&t.as_str())).unwrap_or(tokens.len());
    tokens[opening..].to_vec()
}

/// The sentence's normalised words, split after each word that ends with a comma.
fn clauses(sentence: &Sentence) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    for word in &sentence.words {
        let token = crate::text::normalize(&word.text);
        if !token.is_empty() {
            out.last_mut().expect("never empty").push(token);
        }
        if word.text.trim_end().ends_with(',') {
            out.push(Vec::new());
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// "what's" → "what is", "how're" → "how are", so openings match the playbook's plain words.
fn expand_contractions(tokens: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len());
    for token in tokens {
        let expanded = [("'s", "is"), ("'re", "are")]
            .iter()
            .find_map(|(suffix, verb)| token.strip_suffix(suffix).map(|stem| (stem.to_string(), verb.to_string())));
        match expanded {
            Some((stem, verb)) if ["what", "how", "why", "who", "where", "when", "which", "that", "it", "there"].contains(&stem.as_str()) => {
                out.push(stem);
                out.push(verb);
            }
            _ => out.push(token),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClipKind;

    fn questions_in(text: &str) -> Vec<(String, QuestionForm)> {
        let input = crate::testing::input(ClipKind::Call, &[("rep", text)]);
        let words = input.words_in_time_order();
        let sentences = crate::text::sentences(&words);
        find(&sentences, &input, &Playbook::default()).all.iter().map(|q| (q.sentence.text(), q.form)).collect()
    }

    #[test]
    fn question_marks_and_interrogative_syntax_both_count() {
        let found = questions_in("What do you use today. Do you have a budget. Tell me about your team. Great?");
        let forms: Vec<QuestionForm> = found.iter().map(|(_, f)| *f).collect();
        assert_eq!(forms, [QuestionForm::Open, QuestionForm::Closed, QuestionForm::Open, QuestionForm::Closed]);
    }

    #[test]
    fn statements_that_open_like_questions_are_not_questions() {
        assert!(questions_in("What we found is simple. Send it over. How we ship matters.").is_empty());
    }

    #[test]
    fn wh_questions_without_a_question_mark() {
        let found = questions_in(
            "Who signs off on new tools. Fair enough, who would decide on a tool like this. When is the renewal due. \
             Which teams are booking through the tool. How many meters are on your network.",
        );
        assert_eq!(found.len(), 5, "{found:?}");
        let statements = "When we launched it was slow. Which is why we called. That's who we are. \
                          Where we struggle is hiring. Which is also my problem with the renewal. \
                          I recommend it to our director, Fiona Grant, who signs. We start after the audit, which is fine.";
        assert!(questions_in(statements).is_empty(), "{:?}", questions_in(statements));
    }

    #[test]
    fn contractions_and_lead_ins_are_understood() {
        let found = questions_in("So what's the biggest problem. And how's the team coping. Hello, what do you use today?");
        assert_eq!(found.len(), 3);
        assert!(found.iter().all(|(_, f)| *f == QuestionForm::Open));
    }
}

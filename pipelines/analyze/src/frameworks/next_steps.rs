//! Next steps: a concrete step with a time, proposed near the end of the call and agreed by the other
//! party, or a firm commitment (a time named and accepted, an invite sent). Vague closings never count.

use crate::semantic::{Predictions, Task};
use crate::text::Sentence;
use crate::{AnalysisInput, NextSteps, Playbook};

use super::Rules;

pub(crate) fn next_steps(
    sentences: &[Sentence],
    input: &AnalysisInput,
    rules: &Rules,
    playbook: &Playbook,
    predictions: Option<&Predictions>,
) -> NextSteps {
    let settings = &playbook.next_steps;
    let from_s = input.clip.duration_s * (1.0 - settings.final_share.clamp(0.0, 1.0));
    let mut result = NextSteps::default();
    if let Some(verdicts) = predictions.and_then(|p| p.task(Task::NextSteps)) {
        // The head's first label is `agreed`: a concrete step settled in this sentence. The other
        // party's agreement that follows (by the lexicon), if any, is evidence too.
        for (index, sentence) in sentences.iter().enumerate() {
            let Some(verdict) = &verdicts[index] else { continue };
            if sentence.start_s() < from_s || verdict.label != Some(0) {
                continue;
            }
            result.agreed = true;
            result.evidence.push(sentence.evidence_with(Some(verdict.probability)));
            let agreement = reply(sentences, index, settings.reply_window_s)
                .find(|s| rules.hit(&rules.agreement, s, input));
            result.evidence.extend(agreement.map(Sentence::evidence));
        }
        return result;
    }
    for (index, proposal) in sentences.iter().enumerate() {
        if proposal.start_s() < from_s || rules.hit(&rules.vague, proposal, input) {
            continue;
        }
        // A firm commitment stands on its own; a proposal needs the other party's agreement.
        let committed = rules.hit(&rules.commitment, proposal, input);
        if !committed && !rules.hit(&rules.proposal, proposal, input) {
            continue;
        }
        let agreement =
            reply(sentences, index, settings.reply_window_s).find(|s| rules.hit(&rules.agreement, s, input));
        if committed || agreement.is_some() {
            result.agreed = true;
            result.evidence.push(proposal.evidence());
            result.evidence.extend(agreement.map(Sentence::evidence));
        }
    }
    result
}

/// The other party's reply to `sentences[index]`: their sentences that follow it, after any more of the
/// proposer's own (a proposal often goes on: "... on Tuesday at ten. Does that work?"), up to the proposer's
/// next words, starting within `window_s`. Only this turn can agree: a "That one's fine" two turns after a
/// refused demo answers something else.
fn reply<'s, 'a>(
    sentences: &'s [Sentence<'a>],
    index: usize,
    window_s: f64,
) -> impl Iterator<Item = &'s Sentence<'a>> {
    let proposal = &sentences[index];
    sentences[index + 1..]
        .iter()
        .skip_while(move |s| s.speaker() == proposal.speaker())
        .take_while(move |s| s.speaker() != proposal.speaker() && s.start_s() <= proposal.end_s() + window_s)
}

#[cfg(test)]
mod tests {
    use crate::{ClipKind, Playbook, analyze};

    /// Whether the lexicon rules find an agreed next step in `turns` (the whole call is the closing).
    fn agreed(turns: &[(&str, &str)]) -> bool {
        let input = crate::testing::input(ClipKind::Call, turns);
        let mut playbook = Playbook::default();
        playbook.next_steps.final_share = 1.0;
        analyze(&input, &playbook).next_steps.agreed
    }

    #[test]
    fn a_proposal_with_a_time_needs_the_replys_agreement() {
        let proposal = ("rep", "Could we walk your team through the numbers on Wednesday at three?");
        assert!(agreed(&[proposal, ("customer", "Wednesday at three is good. I'll book the room.")]));
        assert!(agreed(&[proposal, ("customer", "Confirmed, I'll send the gate instructions.")]));
        assert!(!agreed(&[proposal, ("customer", "Wednesday doesn't work for us, I'm afraid.")]));
        assert!(!agreed(&[proposal, ("customer", "Let me check with the team and get back to you.")]));
    }

    #[test]
    fn agreement_later_than_the_reply_answers_something_else() {
        assert!(!agreed(&[
            ("rep", "Would it help if I showed you both a quick demo next week?"),
            ("customer", "Not right now. Send me an email with the details."),
            ("rep", "Sure. Is the address on your website the best one?"),
            ("customer", "That one's fine. Thanks for calling."),
        ]));
    }

    #[test]
    fn a_closing_that_names_the_day_commits() {
        assert!(agreed(&[("rep", "Will do. Thanks, Priya, talk to you Wednesday.")]));
        assert!(agreed(&[("rep", "Perfect, I'll set it up and send the invite today.")]));
        assert!(!agreed(&[("rep", "Thanks, let's stay in touch and talk soon.")]));
    }
}

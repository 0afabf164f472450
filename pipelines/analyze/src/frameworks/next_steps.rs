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
            let agreement = sentences[index + 1..]
                .iter()
                .take_while(|s| s.start_s() <= sentence.end_s() + settings.reply_window_s)
                .find(|s| s.speaker() != sentence.speaker() && rules.hit(&rules.agreement, s, input));
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
        let agreement = sentences[index + 1..]
            .iter()
            .take_while(|s| s.start_s() <= proposal.end_s() + settings.reply_window_s)
            .find(|s| s.speaker() != proposal.speaker() && rules.hit(&rules.agreement, s, input));
        if committed || agreement.is_some() {
            result.agreed = true;
            result.evidence.push(proposal.evidence());
            result.evidence.extend(agreement.map(Sentence::evidence));
        }
    }
    result
}

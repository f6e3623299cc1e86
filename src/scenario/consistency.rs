//! Checks across a regime's terms: each listed once, and no two spend commitments to the same
//! holder in force at once (the same spend would count towards both, so a regime could report
//! more commitment spent than it spent).

use super::Checker;
use crate::model::calendar::Calendar;
use crate::model::{Regime, Term, TermKind};

/// Reports terms listed twice in a regime and overlapping commitments to one holder.
pub(super) fn regimes(c: &mut Checker, regimes: &[Regime], terms: &[Term], calendar: &Calendar) {
    // An AGI declaration ends a term by moving its end, which exclusivities, first refusals
    // and revenue shares read; a commitment runs to its deadline and another AGI clause takes
    // effect by its own dates, scheduled when the run starts, whatever a declaration does to
    // its end, so naming either would be silently ignored.
    for t in terms {
        if let TermKind::AgiClause { ends, .. } = &t.kind {
            for ended in ends.iter().map(|e| &terms[e.0 as usize]) {
                if matches!(
                    ended.kind,
                    TermKind::Commitment { .. } | TermKind::AgiClause { .. }
                ) {
                    c.problem(
                        format!("terms.{}.ends", t.id),
                        format!(
                            "found '{}', which an AGI declaration cannot end; allowed \
                             exclusivity, first_refusal and revenue_share terms",
                            ended.id
                        ),
                    );
                }
            }
        }
    }
    for regime in regimes {
        let field = format!("regimes.{}.terms", regime.name);
        for (k, id) in regime.terms.iter().enumerate() {
            if regime.terms[..k].contains(id) {
                c.problem(
                    &field,
                    format!(
                        "found '{}' twice; allowed each term once",
                        terms[id.0 as usize].id
                    ),
                );
            }
        }
        let commitments: Vec<(&Term, f64)> = regime
            .terms
            .iter()
            .map(|id| &terms[id.0 as usize])
            .filter_map(|t| match t.kind {
                TermKind::Commitment { deadline_day, .. } => Some((t, deadline_day)),
                _ => None,
            })
            .collect();
        for (k, &(a, a_deadline)) in commitments.iter().enumerate() {
            for &(b, b_deadline) in &commitments[k + 1..] {
                let overlap = a.start_day.max(b.start_day) < a_deadline.min(b_deadline);
                if a.id != b.id && a.holder == b.holder && overlap {
                    c.problem(
                        &field,
                        format!(
                            "found commitments '{}' ({} to {}) and '{}' ({} to {}) to the same \
                             holder at once; allowed one at a time, since the same spend would \
                             count towards both",
                            a.id,
                            calendar.date_of(a.start_day),
                            calendar.date_of(a_deadline),
                            b.id,
                            calendar.date_of(b.start_day),
                            calendar.date_of(b_deadline),
                        ),
                    );
                }
            }
        }
    }
}

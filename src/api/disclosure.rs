//! Who sees KK and NIK numbers in clear in what the API hands out (SECURITY.md "Who sees NIK
//! and KK"), and the one mask for everyone else: `3514••••••••0012`.

use crate::domain::auth::Role;
use crate::domain::reconcile::Report;

/// Digits kept at each end of a masked number: the first four (province and kabupaten, which
/// every number of a district shares) and the last four (enough to match a family's card).
const KEPT: usize = 4;

/// The number with all but its first and last four digits replaced by `•`; a number too short
/// for that keeps only its last four.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    let head = if n > 2 * KEPT { KEPT } else { 0 };
    let tail_from = n.saturating_sub(KEPT);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= tail_from {
                *c
            } else {
                '•'
            }
        })
        .collect()
}

/// Whether `role` sees the KK numbers of reconciliation findings in clear: finance, who must
/// follow each finding up with the registry. An auditor checks the report's sums and signature
/// and samples findings by voucher: the working files (JSON view, CSV, XLSX, PDF) are masked.
pub fn findings_in_clear(role: Role) -> bool {
    role == Role::Finance
}

/// Whether `role` sees a voucher's `no_kk` in clear: the admin, who keeps the registry and
/// replaces cards. An issuer matches a family by card number and the last four digits.
pub fn voucher_kk_in_clear(role: Role) -> bool {
    role == Role::Admin
}

/// The report as `role` may read it: unchanged, or with every finding's KK numbers masked (the
/// NIK of a finding is only ever its last four digits already).
pub fn report_for(role: Role, mut report: Report) -> Report {
    if !findings_in_clear(role) {
        for finding in &mut report.eligibility {
            for kk in &mut finding.no_kk {
                *kk = mask(kk);
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_district_and_the_last_four_digits() {
        assert_eq!(mask("3514050000000012"), "3514••••••••0012");
        assert_eq!(mask("12345678"), "••••5678");
        assert_eq!(mask("123"), "123");
        assert_eq!(mask(""), "");
    }
}

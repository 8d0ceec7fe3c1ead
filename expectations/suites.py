"""Great Expectations suites, one per rule family of expectations/rules.yml, one expectation per rule.

Each suite validates that family's check rows (one row per comparison, computed in the warehouse): first that
every row names a rule of the family and has an outcome, then, for each rule, that no check of that rule differs
by more than the rule's tolerance (expect_column_values_to_be_between on the excess over the tolerance, restricted
to the rule's rows that extraction read plainly). A failed expectation names the rule; its unexpected rows name the
documents and pages it failed on. Checks on figures extraction was unsure of (suspect_extraction) are one more
expectation, apart from the publisher's errors. An expectation that raised is a bug and fails the run.
"""

from __future__ import annotations

import great_expectations as gx

OUTCOMES = ["pass", "rounding", "fail", "suspect_extraction"]
TOLERANCES = {
    "rounding": "within 0.005 × (n + 1) 万元 for a sum of n printed parts (exact in 元)",
    "percent": "within the spread the rounded figures give, plus the percentage's own last digit",
    "exact": "no difference allowed",
}


def build_suite(family: str, rules: list) -> gx.ExpectationSuite:
    """The suite for one rule family: structure, then one expectation per rule of the catalog."""
    suite = gx.ExpectationSuite(name=f"{family}_rules",
                                meta={"rules": {r.id: f"{r.description} ({r.severity})" for r in rules}})
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(
        column="rule_id", value_set=[r.id for r in rules], meta={"notes": "Every check names a rule of this family."}))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(
        column="outcome", value_set=OUTCOMES, meta={"notes": "Every check has an outcome."}))
    for rule in rules:
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(
            column="excess_over_tolerance", max_value=0, condition_parser="pandas",
            row_condition=f'rule_id=="{rule.id}" and outcome!="suspect_extraction"',
            meta={"rule": rule.id, "severity": rule.severity,
                  "notes": f"{rule.id} ({rule.severity}): {rule.description}. Tolerance: {TOLERANCES[rule.tolerance]}."
                           " Unexpected rows: the documents and pages where the published figures disagree."}))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeInSet(
        column="outcome", value_set=["suspect_extraction"],
        meta={"rule": "suspect_extraction",
              "notes": "Checks that fail on figures extraction was unsure of (placement inferred, a layout warning on "
                       "the table): a possible misreading, not reported as the publisher's error."}))
    return suite

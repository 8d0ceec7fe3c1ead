"""Great Expectations suites, one per rule family of expectations/rules.yml.

Each suite validates that family's check rows (one row per comparison, computed by juesuan.quality.checks):
structure first (every row names a rule of its family and has an outcome), then the finding itself: every check
passes or differs only by rounding. A failed expectation is data about a document; an expectation that raised is
a bug and fails the run.
"""

from __future__ import annotations

import great_expectations as gx


def build_suite(family: str, rule_ids: list[str], descriptions: dict[str, str]) -> gx.ExpectationSuite:
    """The suite for one rule family."""
    suite = gx.ExpectationSuite(name=f"{family}_rules", meta={"rules": {r: descriptions[r] for r in rule_ids}})
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(
        column="rule_id", value_set=rule_ids, meta={"notes": "Every check names a rule of this family."}))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(
        column="outcome", value_set=["pass", "rounding", "fail"], meta={"notes": "Every check has an outcome."}))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(
        column="outcome", value_set=["pass", "rounding"],
        meta={"notes": "Published figures add up: equal, or off by no more than their rounding allows."}))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeNull(
        column="failure",
        meta={"notes": "The checks that fail, each with its document, row, expected and printed figures."}))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(
        column="excess_over_tolerance", max_value=0,
        meta={"notes": "How far beyond its rounding tolerance each difference goes (万元 or percentage points)."}))
    return suite

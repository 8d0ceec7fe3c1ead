"""Kinds read right: the one-page department self-evaluation form is recognised with its agency and loaded; a blank
national template is reported as a template, never loaded."""

from decimal import Decimal as D

import pytest
from conftest import GANZHOU_2023, external_file
from juesuan.extract.document import extract_file


def one_page_department_form(tmp_path):
    """The first 项目支出绩效自评表 of the Ganzhou 2023 seed (Markdown, tab cells) turned into the department-wide
    form: its title, the agency as 部门（单位）名称, the department's figures in the 年度资金总额 row."""
    lines = GANZHOU_2023.read_text(encoding="utf-8").split("\n")
    start = lines.index("项目支出绩效自评表")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("总分"))
    form = [line for line in lines[start:end + 1] if line.strip()]
    assert form[2].startswith("项目名称\t大厅日常运行维护经费") and form[3].startswith("主管部门\t赣州蓉江新区政务服务中心")
    assert form[5] == "\t年度资金总额\t198\t198\t123.95\t10\t62.6\t5\t"
    form[0] = "部门整体支出绩效自评表"
    form[2:4] = ["部门（单位）名称\t赣州蓉江新区政务服务中心\t\t\t\t\t\t\t"]
    form = [line.replace("项目资金 (万元)", "年度部门整体支出预算执行情况（万元）").replace("全年执行数 B", "执行数")
            for line in form]
    path = tmp_path / "form.md"
    path.write_text("\n".join(form) + "\n", encoding="utf-8")
    return path


def test_one_page_department_form_is_a_department_self_evaluation_with_its_agency(tmp_path):
    result = extract_file(one_page_department_form(tmp_path))
    assert not result.fatal, result.problems
    doc = result.document
    assert (doc["kind"], doc["agency"], doc["fiscal_year"]) == ("dept_self_evaluation", "赣州蓉江新区政务服务中心", 2023)
    dept = result.department
    assert (dept.budget, dept.executed, dept.execution_rate, dept.score) == (D("198"), D("123.95"), D("62.6"), D("95"))
    assert (dept.budget_line, dept.score_line) == (5, 20)
    assert result.projects == []  # not a project form


@pytest.mark.parametrize("placeholder", ["上海市XX局", "上海市××局", "某单位"])
def test_a_blank_template_is_reported_as_a_template(tmp_path, placeholder):
    source = external_file("上海市普陀区财政局_2024_部门决算", ".pdfplumber.txt")
    path = tmp_path / "template.txt"
    path.write_text(source.read_text(encoding="utf-8").replace("上海市普陀区财政局", placeholder), encoding="utf-8")
    result = extract_file(path)
    assert result.fatal and result.document is None
    assert [(p.code, p.message) for p in result.problems] == [(
        "template", f"a blank template, not a report: the agency is printed as a placeholder ({placeholder}); "
                    "not loaded")]


def test_real_documents_are_not_templates():
    for suffix in (".pdfplumber.txt", ".pymupdf.txt"):
        result = extract_file(external_file("上海市普陀区财政局_2024_部门决算", suffix))
        assert result.document["agency"] == "上海市普陀区财政局"
        assert not [p for p in result.problems if p.code == "template"]

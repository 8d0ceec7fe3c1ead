{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_checked_documents() }}") }}
-- depends_on: {{ ref('int_checked_documents') }}
-- Kept by document: a build computes the documents of intermediate.int_checked_documents only.
-- Performance rules (docs/domain.md §5) over the project self-evaluation forms, as check rows:
-- - PERF-SCORES: a form's 总分 = Σ its indicators' scores + the execution score (forms that score indicators);
-- - PERF-RATE: 预算执行率 = 全年执行数 / 全年预算数 (to 0.1 percentage point);
-- - PERF-SCORE-CAP: no indicator (nor the execution rate) scores above its weight;
-- - PERF-COVERAGE: "涉及…资金…万元" of the 情况说明 = Σ 全年执行数 of the forms, where the sentence counts as
--   many projects as the document prints forms.
with

documents as (
    select document_id, file_name, agency_name, fiscal_year, source_file,
           case when printed_unit = '元' then 0.0000005 else 0.005 end::decimal(24, 10) as half_unit,
    from {{ ref('stg_raw__documents') }}
),

projects as (
    select * from {{ ref('stg_raw__performance_projects') }}
    {{ only_checked_documents() }}
),

indicators as (
    select * from {{ ref('stg_raw__performance_indicators') }}
    {{ only_checked_documents() }}
),

facts as (
    select * from {{ ref('stg_raw__prose_facts') }}
    {{ only_checked_documents() }}
),

project_scores as (
    select
        projects.document_id,
        projects.project_index,
        count(indicators.indicator_index) as indicator_count,
        count(indicators.score) as scored_count,
        sum(indicators.score) as indicator_score_sum,
    from projects
    left join indicators
        on indicators.document_id = projects.document_id and indicators.project_index = projects.project_index
    group by projects.document_id, projects.project_index
),

-- Every branch gives its values as decimal(38, 16): a union of decimals of other widths may drop digits.
score_checks as (
    select
        'PERF-SCORES' as rule_id,
        projects.document_id,
        projects.project_index,
        'performance_projects' as checked_table,
        projects.project_name as row_name,
        'total_score' as column_name,
        cast(indicator_score_sum + coalesce(projects.execution_score, 0) as decimal(38, 16)) as expected_value,
        cast(projects.total_score as decimal(38, 16)) as actual_value,
        0 as tolerance_value,
        indicator_count || ' indicators + execution score' as detail,
        projects.source_line,
    from projects
    inner join project_scores
        on project_scores.document_id = projects.document_id
        and project_scores.project_index = projects.project_index
    -- a 基础信息表 prints no indicator scores
    where scored_count > 0 and projects.total_score is not null
),

rate_checks as (
    select
        'PERF-RATE' as rule_id,
        document_id,
        project_index,
        'performance_projects' as checked_table,
        project_name as row_name,
        'execution_rate' as column_name,
        cast(roundbankers(100 * executed / budget, 4) as decimal(38, 16)) as expected_value,
        cast(execution_rate as decimal(38, 16)) as actual_value,
        cast(0.1 as decimal(38, 16)) as tolerance_value,
        executed || ' / ' || budget as detail,
        source_line,
    from projects
    where execution_rate is not null and coalesce(budget, 0) <> 0
),

-- Every scored item: the indicators, and the execution rate with its own weight.
scored_items as (
    select document_id, project_index, indicator_index as item_order, indicator_name, weight, score, source_line,
    from indicators
    union all
    select document_id, project_index, null, '预算执行率', execution_weight, execution_score, source_line
    from projects
),

cap_checks as (
    select
        'PERF-SCORE-CAP' as rule_id,
        document_id,
        project_index,
        item_order as indicator_index,
        'performance_indicators' as checked_table,
        indicator_name as row_name,
        'score' as column_name,
        0 as expected_value,
        cast(greatest(score - weight, 0) as decimal(38, 16)) as actual_value,
        0 as tolerance_value,
        'score ' || score || ' of weight ' || weight as detail,
        source_line,
    from scored_items
    where weight is not null and score is not null
),

forms as (
    select document_id, count(*) as form_count, sum(executed) as executed_sum,
    from projects
    where executed is not null
    group by document_id
),

coverage_checks as (
    select
        'PERF-COVERAGE' as rule_id,
        facts.*,
        'prose' as checked_table,
        facts.printed_subject as row_name,
        'amount_wan' as column_name,
        cast(forms.executed_sum as decimal(38, 16)) as expected_value,
        cast(facts.amount_wan as decimal(38, 16)) as actual_value,
        cast((forms.form_count + 1) * documents.half_unit as decimal(38, 16)) as tolerance_value,
        forms.form_count || ' project forms'' 全年执行数 vs ' || facts.printed_figure as detail,
        true as located_by_fact,
    from facts
    inner join forms on forms.document_id = facts.document_id
    inner join documents on documents.document_id = facts.document_id
    where regexp_matches(facts.printed_subject, '涉及(?:一般公共预算)?(?:支出|资金)(?:总额)?$')
      -- the clause's own count of projects (the last in the 120 characters before the figure)
      and try_cast(regexp_extract_all(right(coalesce(facts.printed_context, ''), 120), '(\d+)个项目', 1)[-1]
                   as integer) = forms.form_count
),

unioned as (
    select * from score_checks
    union all by name select * from rate_checks
    union all by name select * from cap_checks
    union all by name select * from coverage_checks
),

measured as (
    select
        unioned.*,
        documents.file_name, documents.agency_name, documents.fiscal_year,
        documents.source_file as document_source_file,
        -- to the millionth, half to even (as Python's Decimal rounds)
        cast(roundbankers(coalesce(expected_value, 0), 6) as decimal(24, 6)) as expected,
        cast(roundbankers(coalesce(actual_value, 0), 6) as decimal(24, 6)) as actual,
        cast(roundbankers(tolerance_value, 6) as decimal(24, 6)) as tolerance,
    from unioned
    inner join documents on documents.document_id = unioned.document_id
),

final as (
    select
        rule_id,
        document_id,
        project_index,
        indicator_index,
        fact_index,
        file_name,
        agency_name,
        fiscal_year,
        checked_table as table_key,
        null::varchar as row_code,
        row_name,
        column_name,
        expected,
        actual,
        actual - expected as difference,
        tolerance,
        case
            when actual = expected then 'pass'
            when abs(actual - expected) <= tolerance then 'rounding'
            else 'fail'
        end as outcome,
        source_line,
        detail,
        -- a form's figures are located by their line; a prose figure by its own page, text and box
        case when located_by_fact then page end as page,
        case when located_by_fact then coalesce(printed_text, printed_subject || printed_figure) end as printed_text,
        case when located_by_fact and bbox_x0 is not null then bbox_x0 end as bbox_x0,
        case when located_by_fact and bbox_x0 is not null then bbox_top end as bbox_top,
        case when located_by_fact and bbox_x0 is not null then bbox_x1 end as bbox_x1,
        case when located_by_fact and bbox_x0 is not null then bbox_bottom end as bbox_bottom,
        document_source_file as source_file,
    from measured
)

select * from final
{{ only_checked_documents() }}

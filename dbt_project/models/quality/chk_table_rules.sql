-- Within-table rules (docs/domain.md §5) as check rows, set-based over every document's figures:
-- TREE-FUNCTION (合计 = Σ 类, 类 = Σ 款, 款 = Σ 项 in every function-coded table and measure column),
-- TREE-ECONOMIC (economic 类 = Σ its 款), and the row identities ROW-EXPENDITURE, ROW-INCOME, ROW-GENERAL-BUDGET,
-- FAS-ROW (a row's total = the sum of its other columns). Tolerance 0.005 × (n + 1) 万元 for n printed parts
-- (exact for documents printed in 元). A failure on figures extraction was unsure of (a placement inferred, a
-- layout warning on the table) is suspect_extraction, not the publisher's error.
with

documents as (
    select document_id, file_name, agency_name, fiscal_year, printed_unit, source_file, document_kind
    from {{ ref('stg_raw__documents') }}
),

figures as (
    select * from {{ ref('stg_raw__table_rows') }}
),

printed_rows as (
    select
        document_id,
        table_key,
        row_index,
        any_value(subject_code) as subject_code,
        any_value(printed_name) as printed_name,
        any_value(summary_side) as summary_side,
        any_value(source_line) as source_line,
        any_value(page) as page,
        coalesce(bool_or(placement = 'inferred'), false) as is_inferred,
    from figures
    group by document_id, table_key, row_index
),

layout_warned as (
    select distinct document_id, table_key
    from {{ ref('stg_raw__load_errors') }}
    where error_code = 'layout' and table_key is not null and document_id is not null
),

-- The function-coded tables (rules.yml: TREE-FUNCTION's tables).
function_tables as (
    select unnest(['income_by_function', 'expenditure_by_function', 'general_budget_expenditure', 'gov_fund',
                   'soe_capital']) as table_key
),

first_totals as (
    select *
    from printed_rows
    where subject_code is null and printed_name = '合计' and table_key in (select table_key from function_tables)
    qualify row_number() over (partition by document_id, table_key order by row_index) = 1
),

edges as (
    select 'TREE-FUNCTION' as rule_id, parent.document_id, parent.table_key, parent.row_index as parent_index,
           child.row_index as child_index, child.subject_code as child_code, child.is_inferred as child_inferred,
    from first_totals as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = 3
    union all
    select 'TREE-FUNCTION', parent.document_id, parent.table_key, parent.row_index, child.row_index,
           child.subject_code, child.is_inferred
    from printed_rows as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = length(parent.subject_code) + 2
        and starts_with(child.subject_code, parent.subject_code)
    where parent.table_key in (select table_key from function_tables)
      and parent.subject_code <> '' and length(parent.subject_code) < 7
    union all
    select 'TREE-ECONOMIC', parent.document_id, parent.table_key, parent.row_index, child.row_index,
           child.subject_code, child.is_inferred
    from printed_rows as parent
    inner join printed_rows as child
        on child.document_id = parent.document_id and child.table_key = parent.table_key
        and length(child.subject_code) = 5 and starts_with(child.subject_code, parent.subject_code)
    where parent.table_key = 'general_budget_basic_by_economic' and length(parent.subject_code) = 3
),

table_measures as (
    select distinct document_id, table_key, measure from figures
),

tree_sums as (
    select
        edges.rule_id,
        edges.document_id,
        edges.table_key,
        edges.parent_index,
        table_measures.measure,
        sum(child.amount_wan) as expected_wan,
        count(child.amount_wan) as parts_printed,
        case when edges.rule_id = 'TREE-ECONOMIC' then count(*) || ' 款'
             else count(*) || ' children: ' || string_agg(edges.child_code, ', ' order by edges.child_index)
        end as detail,
        bool_or(edges.child_inferred) as parts_inferred,
    from edges
    inner join table_measures
        on table_measures.document_id = edges.document_id and table_measures.table_key = edges.table_key
        and (edges.rule_id <> 'TREE-ECONOMIC' or table_measures.measure = 'amount')
    left join figures as child
        on child.document_id = edges.document_id and child.table_key = edges.table_key
        and child.row_index = edges.child_index and child.measure = table_measures.measure
    group by edges.rule_id, edges.document_id, edges.table_key, edges.parent_index, table_measures.measure
),

-- Tables whose rows print a split (a column besides the total): a budget's 收入总表 printing only totals, or a
-- 财政拨款收支总表 with one 预算数 column, has nothing to add up.
split_tables as (
    select document_id, table_key
    from figures
    where measure not in ('total', 'amount') and amount_wan is not null
    group by document_id, table_key
),

row_sums as (
    -- 人员经费 / 公用经费 (personnel, public) split 基本支出 (basic): parts of a part, not of the total.
    select
        case table_key
            when 'expenditure_by_function' then 'ROW-EXPENDITURE'
            when 'income_by_function' then 'ROW-INCOME'
            when 'general_budget_expenditure' then 'ROW-GENERAL-BUDGET'
            when 'fiscal_appropriation_summary' then 'FAS-ROW'
        end as rule_id,
        document_id,
        table_key,
        row_index as parent_index,
        'total' as measure,
        sum(amount_wan) filter (where measure not in ('total', 'amount', 'personnel', 'public')) as expected_wan,
        count(amount_wan) filter (where measure not in ('total', 'amount', 'personnel', 'public')) as parts_printed,
        '= ' || string_agg(measure, ' + ' order by measure) filter (where measure not in ('total', 'amount', 'personnel', 'public')) as detail,
        false as parts_inferred,
    from figures
    where (table_key in ('expenditure_by_function', 'income_by_function', 'general_budget_expenditure')
           or (table_key = 'fiscal_appropriation_summary' and summary_side = 'expenditure'))
      and (exists (select 1 from split_tables
                   where split_tables.document_id = figures.document_id and split_tables.table_key = figures.table_key)
           or (table_key <> 'fiscal_appropriation_summary' and document_id not in (
                   select document_id from documents where document_kind = 'budget')))
    group by document_id, table_key, row_index
),

compared as (
    select
        sums.*,
        parent.amount_wan as actual_wan,
        parent.printed_figure,
        coalesce(parent.page, rows.page) as page,
        parent.bbox_x0, parent.bbox_top, parent.bbox_x1, parent.bbox_bottom,
        rows.subject_code, rows.printed_name, rows.source_line,
        rows.is_inferred or sums.parts_inferred as is_inferred,
        layout_warned.table_key is not null as is_layout_warned,
    from (select * from tree_sums union all by name select * from row_sums) as sums
    inner join printed_rows as rows
        on rows.document_id = sums.document_id and rows.table_key = sums.table_key
        and rows.row_index = sums.parent_index
    left join figures as parent
        on parent.document_id = sums.document_id and parent.table_key = sums.table_key
        and parent.row_index = sums.parent_index and parent.measure = sums.measure
    left join layout_warned
        on layout_warned.document_id = sums.document_id and layout_warned.table_key = sums.table_key
    -- nothing printed on either side: no check
    where not (parent.amount_wan is null and sums.parts_printed = 0)
      -- FAS-ROW checks the expenditure lines that print a total
      and not (sums.rule_id = 'FAS-ROW' and parent.amount_wan is null)
),

measured as (
    select
        compared.*,
        documents.file_name, documents.agency_name, documents.fiscal_year, documents.source_file,
        cast(coalesce(expected_wan, 0) as decimal(24, 6)) as expected,
        cast(coalesce(actual_wan, 0) as decimal(24, 6)) as actual,
        -- each printed figure is off by at most half its last digit: 0.005 万元, or 0.5 元 (0.00005 万元)
        cast(0.005 * (parts_printed + 1) * case when documents.printed_unit = '元' then 0.0001 else 1 end
             as decimal(24, 6)) as tolerance,
    from compared
    inner join documents on documents.document_id = compared.document_id
),

final as (
    select
        rule_id,
        document_id,
        file_name,
        agency_name,
        fiscal_year,
        table_key,
        subject_code as row_code,
        printed_name as row_name,
        measure as column_name,
        expected,
        actual,
        actual - expected as difference,
        tolerance,
        case
            when actual = expected then 'pass'
            when abs(actual - expected) <= tolerance then 'rounding'
            when is_inferred or is_layout_warned then 'suspect_extraction'
            else 'fail'
        end as outcome,
        source_line,
        detail || case when abs(actual - expected) > tolerance and (is_inferred or is_layout_warned)
                       then ' · extraction unsure: '
                            || concat_ws('; ', case when is_inferred then 'column placement inferred' end,
                                         case when is_layout_warned then 'layout warnings on ' || table_key end)
                       else '' end as detail,
        page,
        trim(concat_ws(' ', nullif(subject_code, ''), nullif(printed_name, ''), printed_figure)) as printed_text,
        bbox_x0,
        bbox_top,
        bbox_x1,
        bbox_bottom,
        source_file,
    from measured
)

select * from final

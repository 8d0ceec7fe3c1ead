{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_checked_documents() }}") }}
-- depends_on: {{ ref('int_checked_documents') }}
-- Kept by document: a build computes the documents of intermediate.int_checked_documents only.
-- Table rules (docs/domain.md §5) as check rows, set-based over every document's figures:
-- - the summary tables' SUM-* and FAS-* identities (本年收入合计 = Σ income lines, 本年支出合计 = Σ class lines,
--   总计 = 本年…合计 + the balances, income 总计 = expenditure 总计);
-- - TREE-FUNCTION (合计 = Σ 类, 类 = Σ 款, 款 = Σ 项 in every function-coded table and measure column), TREE-ECONOMIC
--   (economic 类 = Σ its 款), ECO-GROUPS (人员经费合计 / 公用经费合计 = Σ their 类), TP-TOTAL and TP-VEHICLE (三公
--   合计 = 出国 + 车 + 接待, 车 = 购置 + 运行维护);
-- - the row identities ROW-EXPENDITURE, ROW-INCOME, ROW-GENERAL-BUDGET, FAS-ROW (a row's total = Σ its other columns);
-- - between tables X-INCOME-TOTAL, X-EXPENDITURE-TOTAL, X-EXPENDITURE-CLASS, X-GENERAL-BUDGET-CLASS (a summary line =
--   the detail table's figure) and ECO-BASIC (人员经费合计 + 公用经费合计 = the general-budget table's 合计 基本支出).
-- Tolerance 0.005 × (n + 1) 万元 for n printed parts (exact for documents printed in 元). A failure on figures
-- extraction was unsure of (a placement inferred, a layout warning on the table or the one compared) is
-- suspect_extraction, not the publisher's error.
with

-- Documents are numbered inside this model (macros/document_keys.sql); `measured` puts the id back.
{{ document_keys() }},

documents as (
    select keys.document_key as document_id, documents.document_id as document_sha, file_name, agency_name,
           fiscal_year, printed_unit, source_file, document_kind
    from {{ ref('stg_raw__documents') }} as documents
    inner join document_keys as keys using (document_id)
),

figures as (
    {{ keyed_by_document(ref('stg_raw__table_rows')) }}
),

printed_rows as (
    {{ keyed_by_document(ref('int_printed_rows')) }}
),

layout_warned as (
    select distinct keys.document_key as document_id, errors.table_key
    from {{ ref('stg_raw__load_errors') }} as errors
    inner join document_keys as keys using (document_id)
    where errors.error_code = 'layout' and errors.table_key is not null
),

warned_by_document as (
    select document_id, list(table_key order by table_key) as table_keys
    from layout_warned
    group by document_id
),

sums as (
    {{ keyed_by_document(ref('int_table_rule_sums')) }}
),

compared as (
    select
        sums.*,
        parent.amount_wan as actual_wan,
        parent.printed_figure,
        coalesce(parent.page, rows.page) as page,
        parent.bbox_x0, parent.bbox_top, parent.bbox_x1, parent.bbox_bottom,
        rows.subject_code, rows.printed_name, coalesce(sums.name_override, rows.printed_name) as row_name,
        rows.source_line,
        rows.is_inferred or sums.parts_inferred as is_inferred,
        -- The document's warned tables this check compares: one equi-join and a list filter (a correlated
        -- subquery here held every check row in memory: 6 GB at 10,000 documents).
        nullif(array_to_string(list_filter(warned.table_keys, lambda key: key = sums.table_key
                                           or list_contains(coalesce(sums.also_warned, []), key)), ', '), '')
            as warned_tables,
    from sums
    inner join printed_rows as rows
        on rows.document_id = sums.document_id and rows.table_key = coalesce(sums.row_table, sums.table_key)
        and rows.row_index = sums.parent_index
    left join warned_by_document as warned on warned.document_id = sums.document_id
    left join figures as parent
        on parent.document_id = sums.document_id and parent.table_key = rows.table_key
        and parent.row_index = sums.parent_index and parent.measure = sums.measure
    -- nothing printed on either side: no check
    where not (parent.amount_wan is null and sums.parts_printed = 0)
      -- FAS-ROW checks the expenditure lines that print a total
      and not (sums.rule_id = 'FAS-ROW' and parent.amount_wan is null)
),

measured as (
    select
        compared.* replace (documents.document_sha as document_id),
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
        row_name,
        measure as column_name,
        expected,
        actual,
        actual - expected as difference,
        tolerance,
        case
            when actual = expected then 'pass'
            when abs(actual - expected) <= tolerance then 'rounding'
            when is_inferred or warned_tables is not null then 'suspect_extraction'
            else 'fail'
        end as outcome,
        source_line,
        detail || case when abs(actual - expected) > tolerance and (is_inferred or warned_tables is not null)
                       then ' · extraction unsure: '
                            || concat_ws('; ', case when is_inferred then 'column placement inferred' end,
                                         'layout warnings on ' || warned_tables)
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
{{ only_checked_documents() }}

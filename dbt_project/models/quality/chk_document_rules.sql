{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ delete_checked_documents() }}") }}
-- depends_on: {{ ref('int_checked_documents') }}
-- Kept by document: a build computes the documents of intermediate.int_checked_documents only.
-- Whole-document rules (docs/domain.md §5), one check row per statement the document makes about itself:
-- DOC-YEAR (headings, captions and 截至…年12月31日 name the fiscal year), DOC-AGENCY (headings and captions name
-- the document's agency), DOC-PLACEHOLDER (no XX / ×× / 某单位 left from a template), DOC-CONTENTS (every table
-- the contents page lists is in the body) and PROSE-COMPARE (决算数大于/小于/等于预算数, 基本持平 agree with the
-- two figures they compare). Set-based: one pass over the statements, whatever the number of documents.
with

documents as (
    select * from {{ ref('stg_raw__documents') }}
    {{ only_checked_documents() }}
),

statements as (
    select * from {{ ref('stg_raw__document_statements') }}
    {{ only_checked_documents() }}
),

document_tables as (
    select * from {{ ref('stg_raw__document_tables') }}
    {{ only_checked_documents() }}
),

located as (
    select
        statements.*,
        documents.file_name,
        documents.agency_name,
        documents.fiscal_year,
        documents.document_kind,
        documents.source_file,
    from statements
    inner join documents on statements.document_id = documents.document_id
),

year_checks as (
    select
        'DOC-YEAR' as rule_id,
        located.*,
        'year' as column_name,
        -- A budget's 截至…年12月31日 is the close of the year before the one it is for.
        case when statement_kind = 'as_at_year' and document_kind = 'budget' then fiscal_year - 1
             else fiscal_year end as expected_value,
        printed_year as actual_value,
        'names the year ' || printed_year || '; the document is for ' || fiscal_year as detail,
    from located
    where statement_kind in ('year', 'as_at_year')
),

agency_checks as (
    select
        'DOC-AGENCY' as rule_id,
        located.*,
        'agency' as column_name,
        1 as expected_value,
        case when printed_agency = agency_name then 1 else 0 end as actual_value,
        'names ' || printed_agency || '; the document is ' || agency_name as detail,
    from located
    where statement_kind = 'agency'
),

placeholder_checks as (
    select
        'DOC-PLACEHOLDER' as rule_id,
        located.*,
        'placeholder' as column_name,
        0 as expected_value,
        1 as actual_value,
        'template placeholder ' || comparison_word || ' left in the text' as detail,
    from located
    where statement_kind = 'placeholder'
),

contents_listed as (
    select
        located.*,
        coalesce(document_tables.is_present, false) as is_present,
        count(*) filter (where document_tables.is_present) over (partition by located.document_id) as tables_present,
        count(*) over (partition by located.document_id) as tables_listed,
        row_number() over (partition by located.document_id order by located.source_line) as listed_order,
    from located
    left join document_tables
        on located.document_id = document_tables.document_id and located.table_key = document_tables.table_key
    where statement_kind = 'contents'
),

-- A body that prints none of the tables its contents page lists (they are published apart, as an attachment) is
-- one omission, reported once at the contents page, not once per table.
contents_checks as (
    select
        'DOC-CONTENTS' as rule_id,
        * exclude (is_present, tables_present, tables_listed, listed_order, table_key),
        case when tables_present = 0 then null else table_key end as table_key,
        case when tables_present = 0 then 'tables_present' else 'present' end as column_name,
        case when tables_present = 0 then tables_listed else 1 end as expected_value,
        case when is_present then 1 else 0 end as actual_value,
        case when tables_present = 0
             then 'the contents page lists ' || tables_listed || ' tables; the body prints none of them'
             else 'the contents page lists ' || table_key
                  || case when is_present then '; the body prints it' else '; the body lacks it' end
        end as detail,
    from contents_listed
    where tables_present > 0 or listed_order = 1
),

comparison_checks as (
    select
        'PROSE-COMPARE' as rule_id,
        located.*,
        'comparison_word' as column_name,
        1 as expected_value,
        case comparison_word
            when 'greater' then final_wan > budget_wan
            when 'less' then final_wan < budget_wan
            -- equal: the same printed figure; 基本持平: within 1 % of the budget (or a cent)
            when 'equal' then abs(final_wan - budget_wan) <= 0.01
            when 'flat' then abs(final_wan - budget_wan) <= greatest(0.01, 0.01 * abs(budget_wan))
        end::integer as actual_value,
        '预算 ' || budget_wan::decimal(20, 2) || ', 决算 ' || final_wan::decimal(20, 2) || '; the text says 决算数'
        || case comparison_word when 'greater' then '大于预算数' when 'less' then '小于预算数'
                when 'equal' then '等于预算数' else '与预算数持平' end as detail,
    from located
    where statement_kind = 'comparison'
),

unioned as (
    select * from year_checks
    union all by name select * from agency_checks
    union all by name select * from placeholder_checks
    union all by name select * from contents_checks
    union all by name select * from comparison_checks
),

checked as (
    select
        rule_id,
        document_id,
        file_name,
        agency_name,
        fiscal_year,
        coalesce(table_key, 'document') as table_key,
        null::varchar as row_code,
        statement_kind as row_name,
        column_name,
        cast(expected_value as decimal(24, 6)) as expected,
        cast(actual_value as decimal(24, 6)) as actual,
        cast(actual_value - expected_value as decimal(24, 6)) as difference,
        cast(0 as decimal(24, 6)) as tolerance,
        case when actual_value = expected_value then 'pass' else 'fail' end as outcome,
        source_line,
        detail,
        page,
        printed_text,
        bbox_x0,
        bbox_top,
        bbox_x1,
        bbox_bottom,
        source_file,
    from unioned
),

-- The tables every final-accounts document has printed since 2019 (extract/document.py CORE_TABLES).
core_tables as (
    select unnest(['income_expenditure_summary', 'income_by_function', 'expenditure_by_function',
                   'fiscal_appropriation_summary', 'general_budget_expenditure', 'general_budget_basic_by_economic',
                   'three_public']) as table_key
),

completeness_checks as (
    select
        'DOC-COMPLETE' as rule_id,
        documents.document_id,
        documents.file_name,
        documents.agency_name,
        documents.fiscal_year,
        core_tables.table_key,
        null::varchar as row_code,
        core_tables.table_key as row_name,
        'present' as column_name,
        cast(1 as decimal(24, 6)) as expected,
        cast(case when document_tables.is_present then 1 else 0 end as decimal(24, 6)) as actual,
        cast(case when document_tables.is_present then 0 else -1 end as decimal(24, 6)) as difference,
        cast(0 as decimal(24, 6)) as tolerance,
        case when document_tables.is_present then 'pass' else 'fail' end as outcome,
        null::integer as source_line,
        case when document_tables.is_present then 'present' else 'missing from the document' end as detail,
        document_tables.page,
        case when document_tables.is_present and nullif(document_tables.printed_title, '') is not null
             then document_tables.printed_title
             else core_tables.table_key || ': no such table in the document' end as printed_text,
        null::double as bbox_x0,
        null::double as bbox_top,
        null::double as bbox_x1,
        null::double as bbox_bottom,
        documents.source_file,
    from documents
    cross join core_tables
    left join document_tables
        on document_tables.document_id = documents.document_id and document_tables.table_key = core_tables.table_key
    where documents.document_kind = 'final_accounts'
),

final as (
    select * from checked
    union all by name
    select * from completeness_checks
)

select * from final
{{ only_checked_documents() }}

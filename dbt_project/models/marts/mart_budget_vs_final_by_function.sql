-- Budget against final accounts, per agency, year and function code (and the 合计 line): what was planned
-- (部门预算 支出总表) and what was spent (部门决算 支出决算表), the difference and the execution rate.
-- Where only one side exists the other is null and missing_reason says why: never a zero.
with

documents as (
    select * from {{ ref('dim_document') }}
),

expenditure as (
    select * from {{ ref('fct_expenditure_by_function') }}
),

subjects as (
    select * from {{ ref('dim_function_subject') }}
),

sides as (
    select
        documents.agency_id,
        documents.agency_name,
        documents.fiscal_year,
        documents.phase,
        expenditure.line_key,
        expenditure.function_code,
        expenditure.line_name,
        expenditure.total,
    from expenditure
    inner join documents on expenditure.document_id = documents.document_id
    where documents.is_current and documents.document_kind in ('budget', 'final_accounts')
        and (expenditure.function_code is not null or expenditure.is_total)
),

budget as (select * from sides where phase = 'budget'),

final_side as (select * from sides where phase = 'final'),

phases_loaded as (
    {{ phases_loaded('documents') }}
),

joined as (
    select
        coalesce(budget.agency_id, final_side.agency_id) as agency_id,
        coalesce(budget.agency_name, final_side.agency_name) as agency_name,
        coalesce(budget.fiscal_year, final_side.fiscal_year) as fiscal_year,
        coalesce(budget.line_key, final_side.line_key) as line_key,
        coalesce(budget.function_code, final_side.function_code) as function_code,
        coalesce(final_side.line_name, budget.line_name) as printed_name,
        budget.total as budget,
        final_side.total as final,
    from budget
    full outer join final_side
        on budget.agency_id = final_side.agency_id
        and budget.fiscal_year = final_side.fiscal_year
        and budget.line_key = final_side.line_key
),

final as (
    select
        joined.agency_id,
        joined.agency_name as agency,
        joined.fiscal_year,
        coalesce(joined.function_code, joined.line_key) as function_code,
        coalesce(subjects.function_name, joined.printed_name) as function_name,
        case
            when joined.function_code is null then '合计'
            when length(joined.function_code) = 3 then '类'
            when length(joined.function_code) = 5 then '款'
            else '项'
        end as level,
        joined.budget,
        joined.final,
        joined.final - joined.budget as difference,
        {{ pct('joined.final', 'joined.budget') }} as execution_rate,
        {{ missing_reason('joined.budget', 'joined.final', 'phases_loaded') }} as missing_reason,
    from joined
    left join subjects on joined.function_code = subjects.function_code
    left join phases_loaded
        on joined.agency_id = phases_loaded.agency_id
        and joined.fiscal_year = phases_loaded.fiscal_year
)

select * from final

with

department as (
    select * from {{ ref('stg_raw__performance_department') }}
),

documents as (
    select * from {{ ref('dim_document') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

overview as (
    select * from {{ ref('mart_agency_year_overview') }}
),

ranked as (
    -- One result per agency and year: a separate self-evaluation report before one attached to final accounts.
    select
        department.*,
        documents.agency_id,
        documents.fiscal_year,
        documents.document_kind,
        row_number() over (
            partition by documents.agency_id, documents.fiscal_year
            order by case documents.document_kind when 'dept_self_evaluation' then 0 else 1 end,
                documents.is_current desc, documents.file_name
        ) as preference,
    from department
    inner join documents on department.document_id = documents.document_id
),

yearly as (
    select * from ranked where preference = 1
),

with_previous as (
    select
        yearly.*,
        lag(fiscal_year) over (partition by agency_id order by fiscal_year) as previous_fiscal_year,
        lag(score) over (partition by agency_id order by fiscal_year) as previous_score,
        lag(total_expenditure) over (partition by agency_id order by fiscal_year) as previous_total_expenditure,
    from yearly
),

final as (
    select
        with_previous.agency_id,
        agencies.agency_name,
        with_previous.fiscal_year,
        with_previous.document_id,
        with_previous.document_kind,
        with_previous.score,
        with_previous.grade,
        with_previous.budget,
        with_previous.executed,
        with_previous.execution_rate,
        with_previous.total_expenditure,
        with_previous.staffing_authorized,
        with_previous.staffing_actual,
        with_previous.previous_fiscal_year,
        with_previous.previous_score,
        with_previous.score - with_previous.previous_score as score_change,
        with_previous.previous_total_expenditure,
        with_previous.total_expenditure - with_previous.previous_total_expenditure as total_expenditure_change,
        overview.total_expenditure as final_accounts_total_expenditure,
        overview.project_share_pct as final_accounts_project_share_pct,
        overview.three_public_actual as final_accounts_three_public_actual,
    from with_previous
    inner join agencies on with_previous.agency_id = agencies.agency_id
    left join overview
        on with_previous.agency_id = overview.agency_id
        and with_previous.fiscal_year = overview.fiscal_year
)

select * from final

with

projects as (
    select * from {{ ref('stg_raw__performance_projects') }}
),

indicators as (
    select * from {{ ref('stg_raw__performance_indicators') }}
),

documents as (
    select * from {{ ref('dim_document') }}
),

indicator_totals as (
    select
        document_id,
        project_index,
        count(*) as indicator_count,
        sum(score) as indicator_score_sum,
        sum(weight) as indicator_weight_sum,
    from indicators
    group by document_id, project_index
),

final as (
    select
        projects.document_id,
        projects.project_index,
        documents.agency_id,
        documents.fiscal_year,
        projects.project_name,
        projects.supervising_department,
        projects.implementing_unit,
        projects.budget_initial,
        projects.budget,
        projects.executed,
        projects.execution_rate,
        {{ pct('projects.executed', 'projects.budget') }} as computed_execution_rate,
        projects.execution_weight,
        projects.execution_score,
        projects.goal_expected,
        projects.goal_achieved,
        coalesce(indicator_totals.indicator_count, 0) as indicator_count,
        indicator_totals.indicator_score_sum,
        indicator_totals.indicator_weight_sum,
        projects.total_weight,
        projects.total_score,
        projects.source_line,
    from projects
    inner join documents on projects.document_id = documents.document_id
    left join indicator_totals
        on projects.document_id = indicator_totals.document_id
        and projects.project_index = indicator_totals.project_index
)

select * from final

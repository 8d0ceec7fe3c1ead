with

projects as (
    select * from {{ source('raw', 'performance_projects') }}
),

final as (
    select
        sha256 as document_id,
        project_index,
        project_name,
        supervising_department,
        implementing_unit,
        budget_initial,
        budget,
        executed,
        execution_weight,
        execution_rate,
        execution_score,
        goal_expected,
        goal_achieved,
        total_weight,
        total_score,
        source_line,
    from projects
)

select * from final

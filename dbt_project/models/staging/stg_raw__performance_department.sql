with

department as (
    select * from {{ source('raw', 'performance_department') }}
),

final as (
    select
        sha256 as document_id,
        score,
        grade,
        budget,
        executed,
        execution_rate,
        total_expenditure,
        total_expenditure_printed,
        staffing_authorized,
        staffing_actual,
        source_line,
    from department
)

select * from final

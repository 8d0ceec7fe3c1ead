with

indicators as (
    select * from {{ ref('stg_raw__performance_indicators') }}
),

projects as (
    select * from {{ ref('fct_project_performance') }}
),

final as (
    select
        indicators.document_id,
        indicators.project_index,
        indicators.indicator_index,
        projects.agency_id,
        projects.fiscal_year,
        projects.project_name,
        indicators.level1,
        indicators.level2,
        indicators.indicator_name,
        indicators.target_text,
        indicators.target_comparator,
        indicators.target_value,
        indicators.target_unit,
        indicators.actual_text,
        indicators.actual_value,
        indicators.actual_unit,
        indicators.weight,
        indicators.score,
        indicators.deviation,
        indicators.source_line,
    from indicators
    inner join projects
        on indicators.document_id = projects.document_id
        and indicators.project_index = projects.project_index
)

select * from final

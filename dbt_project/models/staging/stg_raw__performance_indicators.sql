with

indicators as (
    select * from {{ source('raw', 'performance_indicators') }}
),

final as (
    select
        sha256 as document_id,
        project_index,
        indicator_index,
        level1,
        level2,
        indicator_name,
        target_text,
        target_comparator,
        target_value,
        target_unit,
        actual_text,
        actual_value,
        actual_unit,
        weight,
        score,
        deviation,
        source_line,
    from indicators
)

select * from final

with

metrics as (
    select * from {{ source('raw', 'prose_metrics') }}
),

final as (
    select
        sha256 as document_id,
        metric_index,
        label as metric_label,
        value as metric_value,
        unit as metric_unit,
        printed as printed_figure,
        source_line,
    from metrics
)

select * from final

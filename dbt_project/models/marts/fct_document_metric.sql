with

metrics as (
    select * from {{ ref('stg_raw__prose_metrics') }}
),

documents as (
    select * from {{ ref('dim_document') }}
),

final as (
    select
        metrics.document_id,
        metrics.metric_index,
        documents.agency_id,
        documents.fiscal_year,
        documents.document_kind,
        metrics.metric_label,
        metrics.metric_value,
        metrics.metric_unit,
        metrics.source_line,
    from metrics
    inner join documents on metrics.document_id = documents.document_id
)

select * from final

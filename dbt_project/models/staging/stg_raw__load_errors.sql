with

load_errors as (
    select * from {{ source('raw', 'load_errors') }}
),

final as (
    select
        file as file_name,
        sha256 as document_id,
        severity,
        error_code,
        message,
        source_line,
        table_key,
        loaded as was_loaded,
        run_id,
        recorded_at,
    from load_errors
)

select * from final

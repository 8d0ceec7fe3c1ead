with

documents as (
    select * from {{ source('raw', 'documents') }}
),

final as (
    select
        sha256 as document_id,
        file as file_name,
        kind as document_kind,
        agency as agency_name,
        cast(fiscal_year as integer) as fiscal_year,
        unit as printed_unit,
        source_format,
        source_file,
        pages as page_count,
        bytes as file_bytes,
        extractor_version,
        run_id,
        loaded_at,
    from documents
)

select * from final

with

documents as (
    select * from {{ ref('int_documents_ranked') }}
),

final as (
    select
        document_id,
        agency_id,
        agency_name,
        fiscal_year,
        document_kind,
        phase,
        printed_unit,
        source_format,
        file_name,
        source_file,
        page_count,
        extractor_version,
        is_current,
        loaded_at,
    from documents
)

select * from final

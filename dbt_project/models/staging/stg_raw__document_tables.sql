with

document_tables as (
    select * from {{ source('raw', 'document_tables') }}
),

final as (
    select
        sha256 as document_id,
        table_key,
        title as printed_title,
        present as is_present,
        coalesce(empty, false) as is_empty,
        coalesce(declared_empty, false) as is_declared_empty,
        unit as printed_unit,
        source_line,
        page,
        row_count,
    from document_tables
)

select * from final

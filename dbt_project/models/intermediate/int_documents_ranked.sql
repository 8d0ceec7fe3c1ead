with

documents as (
    select * from {{ ref('stg_raw__documents') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by agency_name, fiscal_year, document_kind
            -- PDFs keep the figures' positions, so they are the best reading of a report loaded twice.
            order by case source_format when 'pdf' then 0 when 'markdown' then 1 else 2 end, loaded_at desc, file_name
        ) = 1 as is_current,
        substr(md5(agency_name), 1, 16) as agency_id,
    from documents
)

select * from ranked

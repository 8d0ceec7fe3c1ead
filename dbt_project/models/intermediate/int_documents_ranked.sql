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
        -- The budget phase (Fiscal Data Package): what was planned (部门预算) or what was spent (部门决算).
        case when document_kind = 'budget' then 'budget' else 'final' end as phase,
    from documents
)

select * from ranked

with

documents as (
    select * from {{ ref('int_documents_ranked') }}
),

agency_register as (
    select * from {{ ref('agency_register') }}
),

agencies as (
    select distinct agency_id, agency_name from documents
),

final as (
    select
        agencies.agency_id,
        agencies.agency_name,
        coalesce(agency_register.province, '(unknown)') as province,
        coalesce(agency_register.city, '(unknown)') as city,
        agency_register.county,
        agency_register.district,
        coalesce(agency_register.admin_level, 'unknown') as admin_level,
        agency_register.agency_name is not null as is_registered,
    from agencies
    left join agency_register
        on agencies.agency_name = agency_register.agency_name
)

select * from final

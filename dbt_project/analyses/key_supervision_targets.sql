-- The key supervision targets (重点监管对象): subjects black-listed by two or more owning departments.
select
    supervision.subject_key,
    supervision.subject_name,
    archive.uscc,
    supervision.owning_departments,
    supervision.list_type_codes,
    supervision.active_listing_count,
    supervision.first_listed_on,
    archive.credit_tier
from {{ analyst_view('dim_key_supervision_target') }} as supervision
inner join {{ analyst_view('dim_credit_archive') }} as archive
    on supervision.subject_key = archive.subject_key
order by supervision.owning_department_count desc, supervision.first_listed_on asc

-- Records leaving public view soon (公示期届满): every record in public view whose publicity ends within
-- var public_view_expiring_days (30) days after the night. Departments check these before they go
-- (a repair under way, a correction due); the national interface withdraws them when they do.
select
    record_id,
    record_kind,
    source_feed,
    doc_no,
    subject_key,
    subject_name,
    subject_category,
    id_no_masked,
    list_type_code,
    authority,
    publicity_from,
    publicity_until,
    publicity_until - {{ as_of_date() }} as days_left,
    disclosure_class
from {{ ref('fct_credit_record') }}
where
    status = 'active'
    and disclosure_class = 'public'
    and publicity_until >= {{ as_of_date() }}
    and publicity_until < {{ as_of_date() }} + {{ var('public_view_expiring_days') | int }}

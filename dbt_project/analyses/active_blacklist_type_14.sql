-- Every active black-list entry of one list type, by default 14 (拖欠农民工工资黑名单).
-- dbt compile --select active_blacklist_type_14 --vars '{list_type_code: 14}'
select
    subject_key,
    subject_name,
    id_no_masked,
    list_type_code,
    list_type_name,
    listing_doc_no,
    listing_reason,
    listing_authority,
    listed_on,
    publicity_until
from {{ analyst_view('fct_blacklist_listing') }}
where list_type_code = {{ var('list_type_code', 14) | int }}
order by listed_on, subject_key

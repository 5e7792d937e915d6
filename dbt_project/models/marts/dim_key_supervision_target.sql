{{ config(indexes=[{'columns': ['subject_key'], 'unique': true}]) }}
-- 重点监管对象: subjects on the black lists of two or more domains (the domain of a list type comes
-- from the seed credit_list_type).
select
    subject_key,
    max(subject_name) as subject_name,
    max(id_no_masked) as id_no_masked,
    count(distinct domain) as domain_count,
    array_agg(distinct domain order by domain) as domains,
    array_agg(distinct list_type_code order by list_type_code) as list_type_codes,
    count(*) as active_listing_count,
    min(listed_on) as first_listed_on
from {{ ref('fct_blacklist_listing') }}
where domain is not null
group by subject_key
having count(distinct domain) >= 2

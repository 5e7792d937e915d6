{{ config(indexes=[{'columns': ['subject_key'], 'unique': true}]) }}
-- 重点监管对象: subjects black-listed by two or more owning departments. The department owning a list
-- type comes from the seed credit_list_type; type 8 (其他严重违法名单, owned by 各相关部门) belongs to
-- the authority that listed the subject, so type-8 listings of two departments are two owners, not one
-- catch-all domain.
with listings as (
    select
        *,
        case
            when list_type_code = 8 then coalesce(listing_authority, owner_department)
            else owner_department
        end as owning_department
    from {{ ref('fct_blacklist_listing') }}
)

select
    subject_key,
    max(subject_name) as subject_name,
    max(id_no_masked) as id_no_masked,
    count(distinct owning_department) as owning_department_count,
    array_agg(distinct owning_department order by owning_department) as owning_departments,
    array_agg(distinct list_type_code order by list_type_code) as list_type_codes,
    count(*) as active_listing_count,
    min(listed_on) as first_listed_on
from listings
where owning_department is not null
group by subject_key
having count(distinct owning_department) >= 2

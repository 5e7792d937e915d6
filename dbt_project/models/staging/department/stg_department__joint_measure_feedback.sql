-- 奖惩案例反馈: one row per accepted case of a joint reward or sanction an implementing unit applied, with the
-- item of the four lists it applied (ref joint_reward_sanction_list) and the subject it applied to.
with source as (
    {{ accepted_rows('dept_joint_measure_feedback') }}
)

select
    {{ accepted_row_columns() }},
    {{ clean_code('case_id') }} as case_id,
    {{ clean_text('implementing_unit') }} as implementing_unit,
    case
        when {{ clean_text('measure_direction') }} in ('激励', '守信激励') then 'incentive'
        when {{ clean_text('measure_direction') }} in ('惩戒', '失信惩戒') then 'sanction'
    end as measure_direction,
    {{ clean_code('item_code') }} as item_code,
    {{ clean_text('subject_name') }} as subject_name,
    {{ clean_code('uscc') }} as uscc,
    {{ person_key('person_id_no') }} as person_key,
    {{ masked_id('person_id_no') }} as person_id_no_masked,
    {{ normalize_doc_no('trigger_doc_no') }} as trigger_doc_no,
    {{ clean_date('applied_on') }} as applied_on,
    {{ clean_text('measure_content') }} as measure_content
from source

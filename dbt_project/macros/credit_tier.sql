{#
    The credit tier rules, written once for both tiers of dim_credit_archive (columns of that model):
    with authorised=false they read only what the analysts' views may show, so the public tier and its
    reason never reveal authorised-class data (授权查询: utility arrears, logistics ratings); with
    authorised=true they read everything, and only the audited functions return that tier. Natural
    persons get no grade: their archive lists their records only.
#}
{% macro credit_tier(authorised=false) -%}
    case
        when subject_kind = 'natural_person' then null
        when active_blacklist_count > 0 or is_key_supervision then 'D'
        when
            active_serious_penalty_count > 0
            or active_penalty_count >= 3
            or court_status <> 'clear'
            {%- if authorised %}
                or max_arrears_periods >= 3
            {%- endif %}
            or breached_commitment_count_12m > 0
            then 'C'
        when
            active_penalty_count = 0
            {%- if authorised %}
                and current_arrears_yuan = 0
                and (cardinality(active_redlist_honours) > 0 or logistics_credit_rating in ('AAA', 'AA'))
            {%- else %}
                and cardinality(active_redlist_honours) > 0
            {%- endif %}
            then 'A'
        else 'B'
    end
{%- endmacro %}

{% macro credit_tier_reason(authorised=false) -%}
    case
        when subject_kind = 'natural_person' then 'natural persons are not graded: records only'
        when active_blacklist_count > 0 or is_key_supervision then 'active serious-dishonesty listing'
        when active_serious_penalty_count > 0 then 'serious penalty in publicity'
        when active_penalty_count >= 3 then 'three or more penalties in publicity'
        when court_status <> 'clear' then 'court enforcement: ' || court_status
        {%- if authorised %}
            when max_arrears_periods >= 3 then 'utility arrears of three or more periods'
        {%- endif %}
        when breached_commitment_count_12m > 0 then 'credit commitment breached within 12 months'
        {%- if authorised %}
            when
                active_penalty_count = 0
                and current_arrears_yuan = 0
                and (cardinality(active_redlist_honours) > 0 or logistics_credit_rating in ('AAA', 'AA'))
                then 'honour or top logistics rating, no adverse record'
        {%- else %}
            when active_penalty_count = 0 and cardinality(active_redlist_honours) > 0
                then 'honour, no adverse record'
        {%- endif %}
        when active_penalty_count > 0 then 'general penalty in publicity'
        {%- if authorised %}
            when current_arrears_yuan > 0 then 'utility arrears'
        {%- endif %}
        else 'no adverse record'
    end
{%- endmacro %}

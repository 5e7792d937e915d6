-- The credit archive (信用档案) of one company by its USCC, with the names it was reported under.
-- dbt compile --select credit_archive_by_uscc --vars '{uscc: 91370102MA3C00011F}'
select
    archive.*,
    subject.names_seen,
    subject.division_name,
    subject.registration_authority,
    subject.organisation_type
from {{ analyst_view('dim_credit_archive') }} as archive
inner join {{ analyst_view('dim_credit_subject') }} as subject
    on archive.subject_key = subject.subject_key
where archive.uscc = util.normalize_code({{ "'" ~ (var('uscc', '') | replace("'", "''")) ~ "'" }})

{{ config(indexes=[{'columns': ['correction_id'], 'unique': true}]) }}
-- The latest report of every objection and repair application (异议、信用修复申请): the platform reports an
-- application again as it moves (accepted, decided), and its latest report holds where it stands. A table,
-- so the models that join it plan on its true size (a DISTINCT ON view is guessed at 200 rows).
select distinct on (correction_id) *
from {{ ref('stg_platform__credit_correction') }}
where correction_id is not null
order by correction_id asc, reported_on desc, batch_id desc, row_number desc

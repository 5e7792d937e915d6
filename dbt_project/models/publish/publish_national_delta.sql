-- What the next push must send: the rows of publish_national_record that ops.publish_outbox does
-- not yet hold with the same record_kind, record_key, action and payload_hash (new, changed and
-- withdrawn records since the last push).
select record.*
from {{ ref('publish_national_record') }} as record
where not exists (
        select 1
        from {{ source('ops', 'publish_outbox') }} as outbox
        where
            outbox.record_kind = record.record_kind
            and outbox.record_key = record.record_key
            and outbox.action = record.action
            and outbox.payload_hash = record.payload_hash
    )

-- What each facility sold at a settled event, by month in Japan (issue 19: reports at 10 million
-- sale lines). Written once, when the event is settled — its figures never change afterwards — so
-- a facility's wage report reads a dozen rows a year instead of every line it ever sold.
-- Months are Japan's (UTC+9, no daylight saving): seconds are cut before the shift, so a sale at
-- 14:59:59.9999 UTC on 31 March stays in March.
CREATE TABLE settled_facility_months (
    event_id    INTEGER NOT NULL REFERENCES events (id),
    facility_id INTEGER NOT NULL REFERENCES facilities (id),
    year        INTEGER NOT NULL,
    month       INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    net         INTEGER NOT NULL,
    PRIMARY KEY (event_id, facility_id, year, month)
);
CREATE INDEX settled_facility_months_by_facility ON settled_facility_months (facility_id, year, month);

INSERT INTO settled_facility_months (event_id, facility_id, year, month, net)
SELECT s.event_id, l.facility_id,
       CAST(strftime('%Y', substr(s.sold_at, 1, 19), '+9 hours') AS INTEGER),
       CAST(strftime('%m', substr(s.sold_at, 1, 19), '+9 hours') AS INTEGER),
       SUM(l.net)
FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN events e ON e.id = s.event_id
WHERE e.state = 'settled'
GROUP BY 1, 2, 3, 4;

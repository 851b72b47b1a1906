-- What each facility sold at a settled event, by month in Japan (issue 19: reports at 10 million
-- sale lines). Written once, when the event is settled — its figures never change afterwards — so
-- a facility's wage report reads a dozen rows a year instead of every line it ever sold.
CREATE TABLE settled_facility_months (
    event_id    BIGINT NOT NULL REFERENCES events (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    year        BIGINT NOT NULL,
    month       BIGINT NOT NULL CHECK (month BETWEEN 1 AND 12),
    net         BIGINT NOT NULL,
    PRIMARY KEY (event_id, facility_id, year, month)
);
CREATE INDEX settled_facility_months_by_facility ON settled_facility_months (facility_id, year, month);

INSERT INTO settled_facility_months (event_id, facility_id, year, month, net)
SELECT s.event_id, l.facility_id,
       EXTRACT(YEAR FROM s.sold_at AT TIME ZONE 'Asia/Tokyo')::BIGINT,
       EXTRACT(MONTH FROM s.sold_at AT TIME ZONE 'Asia/Tokyo')::BIGINT,
       SUM(l.net)
FROM sale_lines l JOIN sales s ON s.id = l.sale_id JOIN events e ON e.id = s.event_id
WHERE e.state = 'settled'
GROUP BY 1, 2, 3, 4;

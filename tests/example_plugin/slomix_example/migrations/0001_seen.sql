CREATE TABLE seen (
    id    serial PRIMARY KEY,
    round text NOT NULL
);

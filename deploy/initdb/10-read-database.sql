-- The read model lives in its own database.
CREATE DATABASE threadline_read OWNER threadline;

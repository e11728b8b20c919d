-- One database per service (database per service); each service migrates its own at start-up.
CREATE DATABASE users;
CREATE DATABASE analytics;
CREATE DATABASE search;

"""Writers that take plain data and a masking policy. They never see the database."""

module gitfleet.local/testbed/chartserver

go 1.24

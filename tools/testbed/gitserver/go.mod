module gitfleet.local/testbed/gitserver

go 1.24

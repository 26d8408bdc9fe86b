module example.com/hello

go 1.19

require (
	example.com/greet v1.0.0
	example.com/lib v1.0.0
)

replace example.com/greet => ./greet

replace example.com/lib v1.0.0 => example.com/lib v1.1.0

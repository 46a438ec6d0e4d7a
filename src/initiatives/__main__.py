from initiatives.cli import main

main()

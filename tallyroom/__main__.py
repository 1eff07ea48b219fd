from tallyroom.cli import main
main()

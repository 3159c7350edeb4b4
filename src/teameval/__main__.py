from teameval.cli import main

main()

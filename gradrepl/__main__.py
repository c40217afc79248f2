from gradrepl.cli import main

main()

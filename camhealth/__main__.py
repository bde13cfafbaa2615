from camhealth.cli import main

main()

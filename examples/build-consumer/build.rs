fn main() {
    if let Err(e) =
        sturdy_generator::build_rs("../../fixtures/petstore.yaml", "petstore.rs", "petstore")
    {
        // A clear message instead of a panic backtrace.
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
